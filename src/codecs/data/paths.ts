// Where prepared codec data lives by default (git-ignored); a module of its own so that the
// command line can name the default without loading the data preparation code.
export const DEFAULT_CACHE_DIR = 'data/cache';
