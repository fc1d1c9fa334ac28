module earlyenv

go 1.24
