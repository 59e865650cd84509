//go:build !linux

package bench

import "errors"

func newPreciseSleeper() (sleeper, error) {
	return nil, errors.New("no precise sleeper on this system")
}
