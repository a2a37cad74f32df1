module pprofdiffbenchgen

go 1.19
