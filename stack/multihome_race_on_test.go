//go:build race

package stack

// raceEnabled: the race detector slows the goroutine-level simulations
// ~10x, so they run fewer seeds under it.
const raceEnabled = true
