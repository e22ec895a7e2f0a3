"""Everything that changes the node: intents, policy, runner, audit, backends."""
