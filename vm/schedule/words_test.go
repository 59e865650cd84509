package schedule

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWords checks the text, the cron expression and the firings of schedules in words.
func TestWords(t *testing.T) {
	tests := []struct {
		words Words
		text  string
		cron  string
		after time.Time
		want  []string // nominal times of the next firings in Europe/Malta
	}{
		{Words{Every: EveryDay, Hour: 9, Minute: 30}, "every day 09:30", "30 9 * * *", utc(2026, 3, 28, 12, 0), []string{"2026-03-29T09:30", "2026-03-30T09:30"}},
		{Words{Every: EveryWeekday, Hour: 8}, "every weekday 08:00", "0 8 * * 1-5", utc(2026, 3, 27, 12, 0), []string{"2026-03-30T08:00", "2026-03-31T08:00"}},
		{Words{Every: EveryWeek, Weekday: time.Monday}, "every Monday 00:00", "0 0 * * 1", utc(2026, 3, 24, 0, 0), []string{"2026-03-30T00:00", "2026-04-06T00:00"}},
		{Words{Every: EveryWeek, Weekday: time.Sunday, Hour: 2, Minute: 30}, "every Sunday 02:30", "30 2 * * 0", utc(2026, 3, 24, 0, 0), []string{"2026-03-29T02:30", "2026-04-05T02:30"}},
		{Words{Every: EveryMonth, Day: 1}, "every month on day 1 00:00", "0 0 1 * *", utc(2026, 12, 15, 0, 0), []string{"2027-01-01T00:00", "2027-02-01T00:00"}},
		{Words{Every: EveryMonth, Day: 31, Hour: 23, Minute: 59}, "every month on day 31 23:59", "59 23 31 * *", utc(2026, 1, 31, 23, 0), []string{"2026-03-31T23:59", "2026-05-31T23:59"}},
	}
	malta := zone(t, "Europe/Malta")
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			assert.Equal(t, tt.text, tt.words.String())
			assert.Equal(t, tt.cron, tt.words.Cron())
			s, err := tt.words.Schedule()
			require.NoError(t, err)
			assert.Equal(t, tt.text, s.String())
			c := mustParse(t, tt.cron)
			after := tt.after
			var got []string
			for range tt.want {
				f, ok := s.Next(after, malta)
				require.True(t, ok)
				g, _ := c.Next(after, malta)
				assert.Equal(t, line(g), line(f), "words and cron fire apart")
				got = append(got, f.Wall.String())
				after = f.At
			}
			assert.Equal(t, tt.want, got, "%v.Next from %v", tt.words, tt.after)
		})
	}
}

// TestWordsErrors checks that a Words value out of range is an error naming the field.
func TestWordsErrors(t *testing.T) {
	tests := []struct {
		words Words
		field string
		msg   string
	}{
		{Words{}, "every", "every: unknown repetition 0: expected day, weekday, a day of the week or month"},
		{Words{Every: EveryDay, Hour: 24}, "hour", "hour: 24 is out of range 0-23"},
		{Words{Every: EveryDay, Minute: -1}, "minute", "minute: -1 is out of range 0-59"},
		{Words{Every: EveryWeek, Weekday: 7}, "weekday", "weekday: 7 is not a day of the week (0 is Sunday, 6 Saturday)"},
		{Words{Every: EveryMonth, Day: 0}, "day", "day: 0 is out of range 1-31"},
		{Words{Every: EveryMonth, Day: 32}, "day", "day: 32 is out of range 1-31"},
	}
	for _, tt := range tests {
		s, err := tt.words.Schedule()
		var e *Error
		require.ErrorAs(t, err, &e, "%#v.Schedule()", tt.words)
		assert.ErrorIs(t, err, ErrInvalid)
		assert.True(t, s.IsZero())
		assert.Equal(t, tt.field, e.Field)
		assert.Equal(t, [2]int{-1, -1}, [2]int{e.Offset, e.End})
		assert.Equal(t, tt.msg, err.Error())
	}
}

// TestWordsAt checks the names of days as the grammar writes them.
func TestWordsAt(t *testing.T) {
	tests := []struct {
		day  string
		want string // the words, or the error
	}{
		{"day", "every day 09:30"},
		{"weekday", "every weekday 09:30"},
		{"Monday", "every Monday 09:30"},
		{"Sunday", "every Sunday 09:30"},
		{"Saturday", "every Saturday 09:30"},
		{"monday", `every: expected day, weekday or a day of the week, Monday ... Sunday, found "monday"`},
		{"Mon", `every: expected day, weekday or a day of the week, Monday ... Sunday, found "Mon"`},
		{"", `every: expected day, weekday or a day of the week, Monday ... Sunday, found ""`},
	}
	for _, tt := range tests {
		w, err := WordsAt(tt.day, 9, 30)
		got := ""
		if err != nil {
			assert.ErrorIs(t, err, ErrInvalid)
			got = err.Error()
		} else {
			s, err := w.Schedule()
			require.NoError(t, err)
			got = s.String()
		}
		assert.Equal(t, tt.want, got, "WordsAt(%q, 9, 30)", tt.day)
	}
	w, err := WordsAt("Monday", 24, 0)
	require.NoError(t, err)
	_, err = w.Schedule()
	assert.EqualError(t, err, "hour: 24 is out of range 0-23")
}
