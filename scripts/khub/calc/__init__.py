"""Calculators: the export the browser reads, server-side results, form HTML."""
