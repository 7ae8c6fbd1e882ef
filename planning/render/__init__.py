"""Everything that turns planning results into something to look at: web map, static map, gap map, PDF report,
exports (CSV, XLSX, GeoJSON) and the colour palette. Imports the planning core; never the CLI or the pages."""
