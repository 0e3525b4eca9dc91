// Defines the one libstdc++ 13 symbol that TorchSharp's native library needs and Debian 12's libstdc++ lacks.
#include <ios>
namespace std {
void ios_base_library_init() { static ios_base::Init init; }
}
