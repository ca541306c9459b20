"""Side-by-side benchmarks of safename and the libraries people would use instead."""
