"""The pure routing core: raw inbound record in, views, disclosure log and dead letters out."""
