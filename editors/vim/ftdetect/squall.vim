" Squall rules files.
autocmd BufRead,BufNewFile *.rule setfiletype squall
