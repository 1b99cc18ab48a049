"""Files (SPEC §5): contents in a content-addressed store, metadata, where each file belongs and is stored, and the transfers the domain decides on."""
