// Package bench will hold dynacache's load generator for the DynamoDB and
// RESP ports (reachable as `dynacache bench`). It is not built yet.
package bench
