"""The browser tests: the demo in a real headless Chromium."""
