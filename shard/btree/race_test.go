//go:build race

package btree

// raceEnabled scales down the heaviest tests under the race detector.
const raceEnabled = true
