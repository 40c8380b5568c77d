// Compiled into libcryptopp.a by scripts/build-wasm-deps.sh (WebAssembly build only).
//
// The WebAssembly build compiles only the Crypto++ sources needed for SHA-256, MD5 and
// HexEncoder. In a full build, dll.cpp defines CRYPTOPP_MANUALLY_INSTANTIATE_TEMPLATES, which
// turns the `extern template class ...` declarations in the headers (CRYPTOPP_DLL_TEMPLATE_CLASS)
// into explicit instantiation definitions. dll.cpp itself drags in public-key code (pkcspad.h,
// emsa2.h, Integer), so this file does the same for the headers we actually ship, and supplies a
// trivial AssignIntToInteger and IntToString<word64> (normally in integer.cpp, which is not
// compiled; cryptlib.cpp uses IntToString<word64> in error messages).
//
// iterhash.h is deliberately not included here: iterhash.cpp instantiates IteratedHashBase itself
// when compiled by GCC/Clang.

#define CRYPTOPP_MANUALLY_INSTANTIATE_TEMPLATES
#define CRYPTOPP_DEFAULT_NO_DLL

#include "config.h"
#include "cryptlib.h"
#include "secblock.h"  // AllocatorWithCleanup<byte, word16, word32, word64, word128, word>
#include "algparam.h"  // AlgorithmParametersTemplate<bool, int, ConstByteArrayParameter>
#include "filters.h"   // StringSinkTemplate<std::string>, StringSinkTemplate<std::vector<byte>>

#include "misc.h"     // IntToString

#include <string>
#include <typeinfo>

NAMESPACE_BEGIN(CryptoPP)

// integer.cpp is not part of this build, so no parameter can be an Integer: report "not handled",
// which makes AlgorithmParametersTemplate<int> fall back to its normal type check.
bool AssignIntToInteger(const std::type_info &valueType, void *pInteger, const void *pInt)
{
	CRYPTOPP_UNUSED(valueType); CRYPTOPP_UNUSED(pInteger); CRYPTOPP_UNUSED(pInt);
	return false;
}

// Copied verbatim from Crypto++ 8.7 integer.cpp (placed in the public domain by Wei Dai).
template <> CRYPTOPP_DLL
std::string IntToString<word64>(word64 value, unsigned int base)
{
	// Hack... set the high bit for uppercase.
	static const unsigned int HIGH_BIT = (1U << 31);
	const char CH = !!(base & HIGH_BIT) ? 'A' : 'a';
	base &= ~HIGH_BIT;

	CRYPTOPP_ASSERT(base >= 2);
	if (value == 0)
		return "0";

	std::string result;
	while (value > 0)
	{
		word64 digit = value % base;
		result = char((digit < 10 ? '0' : (CH - 10)) + digit) + result;
		value /= base;
	}
	return result;
}

NAMESPACE_END
