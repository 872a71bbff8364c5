# fragment: see reference/CMakeLists.txt
