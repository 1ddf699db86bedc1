"""The leaderboard: entry files, their validation, and the rendered page (``divgenbench leaderboard``)."""
