"""The pages' blueprints: thin views, one package call each."""
