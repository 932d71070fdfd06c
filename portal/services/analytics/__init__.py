"""Collection figures over time: DSO, CEI, DBT, ADD, trends, forecast and payer risk."""
