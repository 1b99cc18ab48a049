"""Projects (SPEC §3): projects, activities, milestones, members, tasks, and secondary projects kept in step with their main project."""
