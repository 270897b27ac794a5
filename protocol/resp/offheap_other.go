//go:build !linux

package resp

import "errors"

var errNoMap = errors.New("resp: no anonymous mappings here")

func offMap(n int) ([]byte, error)             { return nil, errNoMap }
func offRemap(b []byte, n int) ([]byte, error) { return nil, errNoMap }
func offUnmap(b []byte)                        {}
