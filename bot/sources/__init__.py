"""Reading sources over the network: safe HTTP fetching, feeds, HTML pages and PDFs."""
