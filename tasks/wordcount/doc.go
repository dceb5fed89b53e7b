// Package wordcount is the serial reference for the word-count pipeline: a
// tokenizer, a counter and a deterministic top-k. The bag-based pipeline
// splits the lines into partitions, counts each with [Count], combines the
// maps with [Merge] and ranks with [TopK]; its result must equal Count over
// all the lines.
//
// # Words
//
// A word is a run of letters and digits in any script, lower-cased. Combining
// marks continue a word (so a decomposed "é" stays one word), and an
// apostrophe between two letters or digits is part of the word ("don't",
// "rock'n'roll"); the typographic apostrophe ’ counts as ' so both spellings
// are one word. Everything else separates words: spaces, punctuation, hyphens
// ("well-known" is two words) and apostrophes at either end ('quoted' is
// quoted). Scripts written without spaces come out as one word per run.
package wordcount
