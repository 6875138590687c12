//go:build race

package assoc_test

// raceEnabled: the race detector slows the simulator ~10x, so the seed
// suite runs fewer seeds by default under it; CI runs the full 1000
// without it.
const raceEnabled = true
