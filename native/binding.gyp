{
  "targets": [
    {
      "target_name": "svec_blas",
      "sources": ["svec_blas.c"],
      "cflags": ["-O3", "-std=c11", "-Wall", "-ffp-contract=off", "-fno-math-errno", "-fno-trapping-math"],
      "libraries": ["-ldl", "-lpthread", "-lm"]
    }
  ]
}
