package playback

import "testing"

// TestIDsStable pins derived ids: they are stored (entries) and shown to
// clients (metric ids), so the way they are made must never change. The
// values were made by the first implementation (fmt.Sprintf formats).
func TestIDsStable(t *testing.T) {
	for _, c := range []struct {
		session, ref string
		n            int
		want         string
	}{
		{"c4605f35-6efc-4a9e-b5c4-d6842053320c", "bd1f3613-9172-5a2d-8f8d-f299d3b831ad", 0, "381d92e9-3b03-53af-8136-938c6f9a0120"},
		{"s", "", 7, "c2cdec65-92a4-5adb-9caa-ccb2c0cab5c2"},
		{"", "", 123456789, "c13dd816-0ecf-52ff-9f4e-2861d73796f6"},
	} {
		if got := MetricID(c.session, c.ref, c.n); got != c.want {
			t.Errorf("MetricID(%q, %q, %d) = %s, want %s", c.session, c.ref, c.n, got, c.want)
		}
	}
	for _, c := range []struct {
		session string
		n       uint64
		want    string
	}{
		{"c4605f35-6efc-4a9e-b5c4-d6842053320c", 0, "0e009fb0-602c-549b-a2e9-bdedf7b0edad"},
		{"x", 18446744073709551615, "1e825fc0-5c13-529e-9a8b-5efb09c2b967"},
	} {
		if got := EntryRef(c.session, c.n); got != c.want {
			t.Errorf("EntryRef(%q, %d) = %s, want %s", c.session, c.n, got, c.want)
		}
	}
}
