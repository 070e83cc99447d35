package playback

import (
	"context"

	"github.com/segue/segue"
	"github.com/segue/segue/catalog"
)

// source is what playParams resolve to.
type source struct {
	tracks   []TrackRef
	start    int    // index in tracks of the entry to start at
	explicit bool   // playParams.id named the start track
	seed     string // the catalog id a station or autoplay grows from
	station  bool   // playParams named a station
}

// resolve turns playParams into tracks (SPEC.md §2, §4): a track alone; a
// track inside containerIds (a list of tracks or one container), started
// at that track; or a container (album, playlist, artist), or a station.
func (s *Service) resolve(ctx context.Context, id string, containerIDs []string) (source, error) {
	if id == "" && len(containerIDs) == 0 {
		return source{}, segue.Errorf(segue.EBadRequest, "playParams: give id, containerIds or both")
	}
	if len(containerIDs) > MaxQueueLength {
		return source{}, segue.Errorf(segue.EBadRequest, "playParams.containerIds: at most %d ids", MaxQueueLength)
	}
	var src source
	var item catalog.Item
	if id != "" {
		var err error
		if item, err = s.Catalog.Resolve(ctx, id); err != nil {
			return source{}, err
		}
		src.seed = item.ID
		src.station = item.Kind == catalog.KindStation
		src.tracks = item.Tracks
		src.explicit = item.Kind == catalog.KindTrack
	}
	if len(containerIDs) == 0 {
		return src, nonEmpty(src, id)
	}
	var list []TrackRef
	if len(containerIDs) == 1 {
		c, err := s.Catalog.Resolve(ctx, containerIDs[0])
		if err != nil {
			return source{}, err
		}
		if c.Kind == catalog.KindStation {
			return source{}, segue.Errorf(segue.EBadRequest, "playParams.containerIds: a station is not a container; give it as playParams.id")
		}
		list = c.Tracks
		if src.seed == "" || item.Kind == catalog.KindTrack {
			src.seed = c.ID
		}
		if id != "" && item.Kind != catalog.KindTrack && c.ID != item.ID {
			return source{}, segue.Errorf(segue.EBadRequest, "playParams.id: %s is a %s; with containerIds it must be a track of the container", id, item.Kind)
		}
	} else {
		var err error
		if list, err = s.trackList(ctx, containerIDs); err != nil {
			return source{}, err
		}
		if src.seed == "" {
			src.seed = list[0].TrackID
		}
	}
	if id != "" && item.Kind == catalog.KindTrack {
		src.start = -1
		for i, t := range list {
			if t.TrackID == item.ID {
				src.start = i
				break
			}
		}
		if src.start < 0 {
			return source{}, segue.Errorf(segue.EBadRequest, "playParams.id: track %s is not in containerIds", id)
		}
	}
	src.tracks = list
	return src, nonEmpty(src, containerIDs[0])
}

func nonEmpty(src source, id string) error {
	if len(src.tracks) == 0 && !src.station {
		return segue.Errorf(segue.EBadRequest, "%s has no tracks to play", id)
	}
	return nil
}

// trackList resolves a list of several ids, which must all be tracks.
func (s *Service) trackList(ctx context.Context, ids []string) ([]TrackRef, error) {
	plain := make([]string, len(ids))
	for i, id := range ids {
		p, kind, err := catalog.ParseID(id)
		if err != nil {
			return nil, segue.Errorf(segue.EBadRequest, "playParams.containerIds[%d]: %s", i, segue.ErrorMessage(err))
		}
		if kind != "" && kind != catalog.KindTrack {
			return nil, segue.Errorf(segue.EBadRequest, "playParams.containerIds[%d]: a list of several ids must hold only tracks; %s is a %s", i, id, kind)
		}
		plain[i] = p
	}
	found, err := s.Catalog.Tracks(ctx, plain)
	if err != nil {
		return nil, err
	}
	out := make([]TrackRef, len(plain))
	for i, id := range plain {
		t, ok := found[id]
		if !ok {
			if item, err := s.Catalog.Resolve(ctx, id); err == nil {
				return nil, segue.Errorf(segue.EBadRequest, "playParams.containerIds[%d]: a list of several ids must hold only tracks; %s is a %s", i, id, item.Kind)
			}
			return nil, segue.Errorf(segue.ENotFound, "playParams.containerIds[%d]: no track %s", i, id)
		}
		out[i] = TrackRef{TrackID: t.ID, ArtistID: t.ArtistID, UnlimitedOnly: t.UnlimitedOnly}
	}
	return out, nil
}
