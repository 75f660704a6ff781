"""Sparring: a practice partner for coaches."""
