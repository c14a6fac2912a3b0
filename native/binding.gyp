{
  "targets": [
    {
      "target_name": "svec_blas",
      "sources": ["svec_blas.c"],
      "cflags": ["-O3", "-std=c11", "-Wall"],
      "include_dirs": [
        "<!@(pkg-config --cflags-only-I openblas 2>/dev/null | sed -e 's/-I//g')",
        "/usr/include/x86_64-linux-gnu/openblas-pthread",
        "/usr/include/aarch64-linux-gnu/openblas-pthread",
        "/usr/include/openblas"
      ],
      "libraries": ["<!@(pkg-config --libs-only-L openblas 2>/dev/null)", "-lopenblas"]
    }
  ]
}
