"""Leadership behaviours 360s (M6): cycles, rater nomination and approval, anonymous ratings
by rater group, and reports (web and PDF) through the minimum-rater rule."""
