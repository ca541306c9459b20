"""The file-system primitives every writer shares (private).

The public ones are re-exported by :mod:`safename.paths`.

An upload (:mod:`safename.uploads`), an extraction (:mod:`safename.archives`)
and a rename (``safename rename``) all act the same way, through these modules:

* ``descriptors``: directories opened as descriptors, never through a
  swapped-in symlink, and the raw calls under them (``renameat2``, inode flags);
* ``publish``: a name taken atomically and never replacing another
  (``renameat2(RENAME_NOREPLACE)``, or a hard link then an unlink);
* ``temporaries``: the reserved hidden names a writer uses before it
  publishes, and the sweep that removes what a killed writer left;
* ``staging``: a whole tree written in a hidden directory, then published.
"""
