module pprofdiffbenchseries

go 1.19
