"""What readers leave behind as they read: kudos, bookmarks, hits and history."""
