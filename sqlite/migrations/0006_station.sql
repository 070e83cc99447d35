-- Stations (catalog.Station, StationTracks) read windows of an artist's or
-- a genre's tracks in id order, a track's playlists, and how many tracks
-- an artist has in each genre. These indexes serve all of it without
-- visiting the tables, so that a batch costs about the rows it reads.
CREATE INDEX tracks_artist_station ON tracks (artist_id, genre_id, id, unlimited_only);
CREATE INDEX tracks_genre_station ON tracks (genre_id, id, artist_id, unlimited_only);
CREATE INDEX playlist_tracks_track_playlist ON playlist_tracks (track_id, playlist_id);
