-- Stages one chunk of an import's ops under its journal (_import.lua): written, not checked.
--
-- KEYS[1] {p}:import:{importId}
-- ARGV[1] key prefix   ARGV[2] chunk number (0-based)   ARGV[3] the chunk, JSON {context, ops}
-- ARGV[4...] the ids its ops name
--
-- Returns {'ok'}, or {'gone'} when the journal is no longer there (it expired, or the import was
-- discarded after its process seemed to have stopped).

local journal = KEYS[1]
if redis.call('EXISTS', journal) == 0 then
  return { 'gone' }
end
redis.call('HSET', journal .. ':chunks', ARGV[2], ARGV[3])
if #ARGV > 3 then
  redis.call('SADD', journal .. ':ids', unpack(ARGV, 4))
end
import_renew(journal)
return { 'ok' }
