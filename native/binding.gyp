{
  "targets": [
    {
      "target_name": "svec_blas",
      "sources": ["svec_blas.c"],
      "cflags": ["-O2", "-fPIC"],
      "include_dirs": ["/usr/include/x86_64-linux-gnu/openblas-pthread", "/usr/include/openblas"],
      "libraries": ["-lopenblas"]
    }
  ]
}
