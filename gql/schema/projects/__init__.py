"""Projects, activities, milestones, members, tasks and shared projects: types and mutations."""
