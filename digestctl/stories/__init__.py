"""Stories: the same news from several outlets, as one story.

`tokens` turns a title and lead text into weighted terms (pure); `cluster` assigns items
to stories incrementally through an inverted index (pure, in memory); `sync` loads the
window of recent items from the store, runs the clusterer and saves what it decided.
"""
