"""The source documents: e-Justice pages parsed into organisations and passages, their country, phone
numbers and facets (who an organisation helps and with what, in the taxonomy's needs). Imports only the
top level (config, types, taxonomy)."""
