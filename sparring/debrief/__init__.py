"""What the coach reads about their turns: the note after each turn and the end-of-session
debrief (scores, the resistance chart, alternatives for weak turns)."""
