"""Running the notebooks: parameters, the runner (incremental, parallel, atomic publishing), sweeps over
countries and the command line."""
