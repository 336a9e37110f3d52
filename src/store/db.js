// One interface over the two drivers (PGlite embedded, PostgreSQL through `pg`). Everything above
// the store speaks PostgreSQL's SQL through it; nothing above it knows which driver runs.
export {};
