"""Shared test data for the command-line tests."""

TEAM_YAML = """\
id: team_check
version: "1.0"
title: Team check
scales:
  agree5:
    options:
      - {code: 1, label: Strongly disagree}
      - {code: 2, label: Disagree}
      - {code: 3, label: Neither agree nor disagree}
      - {code: 4, label: Agree}
      - {code: 5, label: Strongly agree}
      - {code: 9, label: "Don't know", scoring: false}
  yesno:
    options:
      - {code: 1, label: "Yes", score: 10}
      - {code: 2, label: "No", score: 0}
      - {code: 9, label: Prefer not to say, scoring: false}
items:
  - {id: help_each_other, text: People help each other., scale: agree5}
  - {id: siloed, text: My team keeps to itself., scale: agree5, reverse: true}
  - {id: shared_objectives, text: Shared objectives, scale: yesno}
measures:
  - {id: teamwork, label: Teamwork, method: mean, items: [help_each_other, siloed]}
  - {id: objectives, label: Objectives (%), method: percent_yes, items: [shared_objectives]}
demographics:
  - id: staff_group
    text: Your job
    options:
      - {code: 1, label: Nurse}
      - {code: 2, label: Doctor}
      - {code: 99, label: Prefer not to say}
    not_stated: [99]
"""
