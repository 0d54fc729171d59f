"""Workforce data (M5, M8, M9): staff records, recruitment, cases, training, the board,
leadership posts, successors and outcome indicators, imported per reporting year."""
