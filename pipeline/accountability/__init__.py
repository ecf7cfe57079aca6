"""Accountability for the FG: what the disclosure log says about one person (inzage), about
one covenant's use (overzicht), and the log in the Logboek Dataverwerkingen shape (export).
Pure: each part takes log records one at a time and keeps only what it reports."""
