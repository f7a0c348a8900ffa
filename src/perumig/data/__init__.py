"""Data: the raw sources and their fetching, the build raw -> processed, the tables' schemas, validated
loading, and the places (countries and regions) the tables speak of."""
