"""Everything that speaks GitHub's formats; each module says what it is:

- `context`: what the runner tells a step about itself (the `GITHUB_*` variables);
- `workflow`: the wire formats of a step: workflow commands, outputs, the step summary;
- `pr_comment`: the pull-request comment through the GitHub REST API;
- `limits`: the sizes GitHub accepts (imported by `report` too, so it imports nothing).

Nothing is re-exported here, so that importing `limits` stays free of the others.
"""
