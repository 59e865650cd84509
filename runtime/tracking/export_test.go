package tracking

// MaxKept is maxKept, for the tests of the package's API.
const MaxKept = maxKept
