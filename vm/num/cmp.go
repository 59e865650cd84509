package num

// Cmp returns -1, 0 or +1 when a < b, a == b or a > b. Scales do not matter:
// 1.0 and 1.00 are equal.
func (a Dec) Cmp(b Dec) int {
	if a.big == nil && b.big == nil {
		switch {
		case a.scale == b.scale:
			return cmp64(a.coef, b.coef)
		case a.scale < b.scale:
			x, ok := scaleUp64(a.coef, b.scale-a.scale)
			if !ok { // |a| exceeds every int64 at b's scale
				return sign64(a.coef)
			}
			return cmp64(x, b.coef)
		default:
			y, ok := scaleUp64(b.coef, a.scale-b.scale)
			if !ok {
				return -sign64(b.coef)
			}
			return cmp64(a.coef, y)
		}
	}
	sa, sb := a.Sign(), b.Sign()
	if sa != sb || sa == 0 {
		return cmp64(int64(sa), int64(sb))
	}
	s := max(a.scale, b.scale)
	return aligned(a, s).Cmp(aligned(b, s))
}

// Equal reports whether a and b are the same number, whatever their scales.
func (a Dec) Equal(b Dec) bool { return a.Cmp(b) == 0 }

func cmp64(x, y int64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}
