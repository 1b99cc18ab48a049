"""SharePoint (SPEC §6): a company's configuration, where files and folders go and how they are named, folder renames, and the sync from SharePoint with its runs."""
