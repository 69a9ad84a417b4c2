"""`citebot bench`: a synthetic or BEIR corpus, indexed and queried next to rank-bm25 and bm25s."""
