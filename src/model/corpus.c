/* The training corpus: a small grammar whose every relation is known (see
 * corpus.h for the sentence kinds and what the truth means).
 *
 * The vocabulary is one X-macro list, so a word's id, its spelling and its
 * class (noun of pronoun class it, verb agreeing with the plural, ...) are
 * written once. The noun table gives each noun what the templates need: its
 * roles, its preposition, its own states, actions and verbs with objects.
 * A sentence is built into a small buffer with truth indices relative to its
 * start, then copied into the sequence; that is the only place the sequence
 * length is checked, so nothing can be written past n.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "attnviz/corpus.h"

/* ---- the vocabulary ------------------------------------------------------ */

/* Classes of words: what model_word_info reports, and for nouns and verbs
 * also the agreement the templates use. */
enum word_class {
    C_SPECIAL,
    C_PUNCT,
    C_FUNC,
    C_PRON_HE,
    C_PRON_SHE,
    C_PRON_IT,
    C_PRON_THEY,
    C_VERB_SG, /* was, is */
    C_VERB_PL, /* were, are */
    C_VERB,    /* agrees with either number */
    C_NOUN_HE,
    C_NOUN_SHE,
    C_NOUN_IT,
    C_NOUN_THEY,
    C_ADJ,
    C_TIME,
};

/* Order matters once: every word from SAT on is a content word (the words a
 * repeated passage is drawn from), so content words are one id range. */
#define VOCAB(X)                                                                                   \
    X(EOT, "<|endoftext|>", C_SPECIAL) X(UNK, "<unk>", C_SPECIAL) X(DOT, ".", C_PUNCT)             \
    X(COMMA, ",", C_PUNCT)                                                                         \
    X(HE, "he", C_PRON_HE) X(SHE, "she", C_PRON_SHE) X(IT, "it", C_PRON_IT)                        \
    X(THEY, "they", C_PRON_THEY)                                                                   \
    X(WAS, "was", C_VERB_SG) X(WERE, "were", C_VERB_PL) X(IS, "is", C_VERB_SG)                     \
    X(ARE, "are", C_VERB_PL) X(SEEMED, "seemed", C_VERB)                                           \
    X(THE, "the", C_FUNC) X(BECAUSE, "because", C_FUNC) X(WHEN, "when", C_FUNC)                    \
    X(AFTER, "after", C_FUNC) X(AND, "and", C_FUNC) X(BUT, "but", C_FUNC) X(ON, "on", C_FUNC)      \
    X(IN, "in", C_FUNC) X(BY, "by", C_FUNC) X(TO, "to", C_FUNC) X(OF, "of", C_FUNC)                \
    X(NEAR, "near", C_FUNC) X(UNDER, "under", C_FUNC) X(BEHIND, "behind", C_FUNC)                  \
    X(WITH, "with", C_FUNC) X(FROM, "from", C_FUNC) X(AT, "at", C_FUNC) X(DUE, "due", C_FUNC)      \
    X(FLOODING, "flooding", C_FUNC)                                                                \
    /* content words from here on */                                                               \
    X(SAT, "sat", C_VERB) X(STOOD, "stood", C_VERB) X(SLEPT, "slept", C_VERB)                      \
    X(WAITED, "waited", C_VERB) X(MET, "met", C_VERB) X(SAW, "saw", C_VERB)                        \
    X(WALKED, "walked", C_VERB) X(RAN, "ran", C_VERB)                                              \
    X(BIG, "big", C_ADJ) X(SMALL, "small", C_ADJ) X(OLD, "old", C_ADJ) X(LITTLE, "little", C_ADJ)  \
    X(NEW, "new", C_ADJ)                                                                           \
    X(MONDAY, "monday", C_TIME) X(TUESDAY, "tuesday", C_TIME) X(WEDNESDAY, "wednesday", C_TIME)    \
    X(THURSDAY, "thursday", C_TIME) X(FRIDAY, "friday", C_TIME) X(SATURDAY, "saturday", C_TIME)    \
    X(SUNDAY, "sunday", C_TIME) X(YESTERDAY, "yesterday", C_TIME) X(TODAY, "today", C_TIME)        \
    X(MORNING, "morning", C_TIME) X(EVENING, "evening", C_TIME) X(NIGHT, "night", C_TIME)          \
    /* nouns */                                                                                    \
    X(BOY, "boy", C_NOUN_HE) X(MAN, "man", C_NOUN_HE) X(KING, "king", C_NOUN_HE)                   \
    X(FATHER, "father", C_NOUN_HE) X(PRINCE, "prince", C_NOUN_HE)                                  \
    X(GIRL, "girl", C_NOUN_SHE) X(WOMAN, "woman", C_NOUN_SHE) X(QUEEN, "queen", C_NOUN_SHE)        \
    X(MOTHER, "mother", C_NOUN_SHE) X(PRINCESS, "princess", C_NOUN_SHE)                            \
    X(ROBOT, "robot", C_NOUN_IT) X(CAT, "cat", C_NOUN_IT) X(DOG, "dog", C_NOUN_IT)                 \
    X(HORSE, "horse", C_NOUN_IT) X(BANK, "bank", C_NOUN_IT) X(FLOOR, "floor", C_NOUN_IT)           \
    X(MAT, "mat", C_NOUN_IT) X(BENCH, "bench", C_NOUN_IT) X(BED, "bed", C_NOUN_IT)                 \
    X(RIVER, "river", C_NOUN_IT) X(PARK, "park", C_NOUN_IT) X(TREE, "tree", C_NOUN_IT)             \
    X(DOOR, "door", C_NOUN_IT) X(HOUSE, "house", C_NOUN_IT) X(CASTLE, "castle", C_NOUN_IT)         \
    X(BRIDGE, "bridge", C_NOUN_IT) X(LOAN, "loan", C_NOUN_IT) X(CAR, "car", C_NOUN_IT)             \
    X(CLOCK, "clock", C_NOUN_IT) X(BOOK, "book", C_NOUN_IT) X(CAKE, "cake", C_NOUN_IT)             \
    X(BALL, "ball", C_NOUN_IT) X(LETTER, "letter", C_NOUN_IT) X(CART, "cart", C_NOUN_IT)           \
    X(CHILDREN, "children", C_NOUN_THEY) X(BIRDS, "birds", C_NOUN_THEY)                            \
    X(STAIRS, "stairs", C_NOUN_THEY) X(ROCKS, "rocks", C_NOUN_THEY) X(KEYS, "keys", C_NOUN_THEY)   \
    X(CABINETS, "cabinets", C_NOUN_THEY) X(APPLES, "apples", C_NOUN_THEY)                          \
    X(FLOWERS, "flowers", C_NOUN_THEY) X(BOXES, "boxes", C_NOUN_THEY)                              \
    /* the nouns' states, in noun order */                                                         \
    X(SLEEPY, "sleepy", C_ADJ) X(MUDDY, "muddy", C_ADJ) X(BORED, "bored", C_ADJ)                   \
    X(ANGRY, "angry", C_ADJ) X(GRUMPY, "grumpy", C_ADJ) X(LATE, "late", C_ADJ)                     \
    X(PROUD, "proud", C_ADJ) X(RICH, "rich", C_ADJ) X(STRICT, "strict", C_ADJ)                     \
    X(PATIENT, "patient", C_ADJ) X(BRAVE, "brave", C_ADJ) X(HANDSOME, "handsome", C_ADJ)           \
    X(HAPPY, "happy", C_ADJ) X(HUNGRY, "hungry", C_ADJ) X(CURIOUS, "curious", C_ADJ)               \
    X(CALM, "calm", C_ADJ) X(POLITE, "polite", C_ADJ) X(WISE, "wise", C_ADJ)                       \
    X(ELEGANT, "elegant", C_ADJ) X(WORRIED, "worried", C_ADJ) X(CHEERFUL, "cheerful", C_ADJ)       \
    X(CLEVER, "clever", C_ADJ) X(LONELY, "lonely", C_ADJ) X(TIRED, "tired", C_ADJ)                 \
    X(RUSTY, "rusty", C_ADJ) X(FLUFFY, "fluffy", C_ADJ) X(PLAYFUL, "playful", C_ADJ)               \
    X(LOYAL, "loyal", C_ADJ) X(THIRSTY, "thirsty", C_ADJ) X(STRONG, "strong", C_ADJ)               \
    X(FAST, "fast", C_ADJ) X(CLOSED, "closed", C_ADJ) X(BUSY, "busy", C_ADJ) X(WET, "wet", C_ADJ)  \
    X(DIRTY, "dirty", C_ADJ) X(SOFT, "soft", C_ADJ) X(DUSTY, "dusty", C_ADJ)                       \
    X(WOODEN, "wooden", C_ADJ) X(COLD, "cold", C_ADJ) X(COZY, "cozy", C_ADJ)                       \
    X(WARM, "warm", C_ADJ) X(DEEP, "deep", C_ADJ) X(WIDE, "wide", C_ADJ)                           \
    X(CROWDED, "crowded", C_ADJ) X(PEACEFUL, "peaceful", C_ADJ) X(TALL, "tall", C_ADJ)             \
    X(LEAFY, "leafy", C_ADJ) X(LOCKED, "locked", C_ADJ) X(CREAKY, "creaky", C_ADJ)                 \
    X(EMPTY, "empty", C_ADJ) X(HUGE, "huge", C_ADJ) X(ANCIENT, "ancient", C_ADJ)                   \
    X(HAUNTED, "haunted", C_ADJ) X(NARROW, "narrow", C_ADJ) X(ICY, "icy", C_ADJ)                   \
    X(LARGE, "large", C_ADJ) X(RISKY, "risky", C_ADJ) X(SHINY, "shiny", C_ADJ)                     \
    X(EXPENSIVE, "expensive", C_ADJ) X(BROKEN, "broken", C_ADJ) X(LOUD, "loud", C_ADJ)             \
    X(THICK, "thick", C_ADJ) X(BORING, "boring", C_ADJ) X(SWEET, "sweet", C_ADJ)                   \
    X(DELICIOUS, "delicious", C_ADJ) X(BOUNCY, "bouncy", C_ADJ) X(FLAT, "flat", C_ADJ)             \
    X(LONG, "long", C_ADJ) X(SECRET, "secret", C_ADJ) X(RICKETY, "rickety", C_ADJ)                 \
    X(LOADED, "loaded", C_ADJ) X(EXCITED, "excited", C_ADJ) X(NOISY, "noisy", C_ADJ)               \
    X(COLORFUL, "colorful", C_ADJ) X(TINY, "tiny", C_ADJ) X(STEEP, "steep", C_ADJ)                 \
    X(SLIPPERY, "slippery", C_ADJ) X(SHARP, "sharp", C_ADJ) X(SMOOTH, "smooth", C_ADJ)             \
    X(LOST, "lost", C_ADJ) X(GOLDEN, "golden", C_ADJ) X(FULL, "full", C_ADJ)                       \
    X(CROOKED, "crooked", C_ADJ) X(RIPE, "ripe", C_ADJ) X(SOUR, "sour", C_ADJ)                     \
    X(PRETTY, "pretty", C_ADJ) X(FRAGRANT, "fragrant", C_ADJ) X(HEAVY, "heavy", C_ADJ)             \
    X(DAMP, "damp", C_ADJ)                                                                         \
    /* actions (intransitive, one noun each) */                                                    \
    X(GIGGLED, "giggled", C_VERB) X(YAWNED, "yawned", C_VERB) X(SHOUTED, "shouted", C_VERB)        \
    X(FROWNED, "frowned", C_VERB) X(SNORED, "snored", C_VERB) X(BOWED, "bowed", C_VERB)            \
    X(SMILED, "smiled", C_VERB) X(SKIPPED, "skipped", C_VERB) X(SANG, "sang", C_VERB)              \
    X(WAVED, "waved", C_VERB) X(SIGHED, "sighed", C_VERB) X(DANCED, "danced", C_VERB)              \
    X(BEEPED, "beeped", C_VERB) X(WHIRRED, "whirred", C_VERB) X(PURRED, "purred", C_VERB)          \
    X(BARKED, "barked", C_VERB) X(NEIGHED, "neighed", C_VERB) X(PLAYED, "played", C_VERB)          \
    X(CHEERED, "cheered", C_VERB) X(CHIRPED, "chirped", C_VERB) X(FLEW, "flew", C_VERB)            \
    /* verbs with objects */                                                                       \
    X(KICKED, "kicked", C_VERB) X(ATE, "ate", C_VERB) X(SOLD, "sold", C_VERB)                      \
    X(PAINTED, "painted", C_VERB) X(BUILT, "built", C_VERB) X(VISITED, "visited", C_VERB)          \
    X(DROVE, "drove", C_VERB) X(FIXED, "fixed", C_VERB) X(RODE, "rode", C_VERB)                    \
    X(READ, "read", C_VERB) X(BAKED, "baked", C_VERB) X(WROTE, "wrote", C_VERB)                    \
    X(BOUGHT, "bought", C_VERB) X(PLANTED, "planted", C_VERB) X(CARRIED, "carried", C_VERB)        \
    X(FED, "fed", C_VERB) X(PICKED, "picked", C_VERB) X(CLEANED, "cleaned", C_VERB)                \
    X(CHASED, "chased", C_VERB) X(PULLED, "pulled", C_VERB) X(APPROVED, "approved", C_VERB)

#define AS_ENUM(name, text, cls) W_##name,
#define AS_TEXT(name, text, cls) text,
#define AS_CLASS(name, text, cls) cls,

enum { VOCAB(AS_ENUM) W_COUNT };
static const char *const vocab_words[W_COUNT] = {VOCAB(AS_TEXT)};
static const unsigned char vocab_class[W_COUNT] = {VOCAB(AS_CLASS)};

/* The header's fixed ids must be where the list puts them. */
_Static_assert(W_EOT == MODEL_CORPUS_EOT && W_UNK == MODEL_CORPUS_UNK &&
                   W_DOT == MODEL_CORPUS_DOT && W_COMMA == MODEL_CORPUS_COMMA,
               "fixed ids");

size_t model_corpus_vocab(const char *const **words) {
    if (words) *words = vocab_words;
    return W_COUNT;
}

model_word_info model_corpus_word_info(int32_t id) {
    model_word_info info = {MODEL_WORD_SPECIAL, MODEL_PRON_NONE, 0};
    if (id < 0 || id >= W_COUNT) return info; /* <unk> */
    switch ((enum word_class)vocab_class[id]) {
    case C_SPECIAL: break;
    case C_PUNCT: info.kind = MODEL_WORD_PUNCT; break;
    case C_FUNC: info.kind = MODEL_WORD_FUNCTION; break;
    case C_PRON_HE: case C_PRON_SHE: case C_PRON_IT: case C_PRON_THEY:
        info.kind = MODEL_WORD_PRONOUN;
        info.pron = (model_pron)(MODEL_PRON_HE + (vocab_class[id] - C_PRON_HE));
        info.number = info.pron == MODEL_PRON_THEY ? 2 : 1;
        break;
    case C_VERB_SG: info.kind = MODEL_WORD_VERB; info.number = 1; break;
    case C_VERB_PL: info.kind = MODEL_WORD_VERB; info.number = 2; break;
    case C_VERB: info.kind = MODEL_WORD_VERB; break;
    case C_NOUN_HE: case C_NOUN_SHE: case C_NOUN_IT: case C_NOUN_THEY:
        info.kind = MODEL_WORD_NOUN;
        info.pron = (model_pron)(MODEL_PRON_HE + (vocab_class[id] - C_NOUN_HE));
        info.number = info.pron == MODEL_PRON_THEY ? 2 : 1;
        break;
    case C_ADJ: info.kind = MODEL_WORD_ADJECTIVE; break;
    case C_TIME: info.kind = MODEL_WORD_TIME; break;
    }
    return info;
}

/* ---- the nouns ------------------------------------------------------------- */

enum {
    R_AGENT = 1, /* sits, meets, sees, moves, may act */
    R_PLACE = 2, /* something one sits or stands at (with its preposition) */
    R_THING = 4, /* an object one sees or handles */
    R_DEST = 8,  /* somewhere one walks to */
};

#define STATES_MAX 3
#define STATE_WORDS 4

typedef struct verb_object {
    short verb;       /* W_... or 0 */
    short object[2];  /* nouns; 0 ends the list */
} verb_object;

/* 0 (W_EOT, never part of a sentence body) ends every list. */
typedef struct noun_entry {
    short word;
    unsigned char roles;
    short prep;   /* where something is relative to it: "on the floor", "by the river" */
    short move;   /* how it goes somewhere (agents) */
    short states[STATES_MAX][STATE_WORDS];
    short actions[2];
    verb_object verbs[2];
} noun_entry;

/* Each noun's states are its own (no word is the state of two nouns), so the
 * word after "PRONOUN was" tells which noun the pronoun means, and only the
 * referent predicts it. */
static const noun_entry nouns[] = {
    {W_BOY, R_AGENT, W_WITH, W_WALKED, {{W_SLEEPY}, {W_MUDDY}, {W_BORED}}, {W_GIGGLED, W_YAWNED},
     {{W_KICKED, {W_BALL}}, {W_ATE, {W_APPLES, W_CAKE}}}},
    {W_MAN, R_AGENT, W_WITH, W_WALKED, {{W_ANGRY}, {W_GRUMPY}, {W_LATE}}, {W_SHOUTED},
     {{W_SOLD, {W_CAR, W_CART}}, {W_PAINTED, {W_HOUSE, W_DOOR}}}},
    {W_KING, R_AGENT, W_WITH, W_WALKED, {{W_PROUD}, {W_RICH}}, {W_FROWNED},
     {{W_BUILT, {W_CASTLE, W_BRIDGE}}, {W_VISITED, {W_BANK, W_PARK}}}},
    {W_FATHER, R_AGENT, W_WITH, W_WALKED, {{W_STRICT}, {W_PATIENT}}, {W_SNORED},
     {{W_DROVE, {W_CAR, W_CART}}, {W_FIXED, {W_DOOR, W_CLOCK}}}},
    {W_PRINCE, R_AGENT, W_WITH, W_WALKED, {{W_BRAVE}, {W_HANDSOME}}, {W_BOWED},
     {{W_RODE, {W_HORSE}}, {W_READ, {W_LETTER, W_BOOK}}}},
    {W_GIRL, R_AGENT, W_WITH, W_WALKED, {{W_HAPPY}, {W_HUNGRY}, {W_CURIOUS}}, {W_SMILED, W_SKIPPED},
     {{W_READ, {W_BOOK, W_LETTER}}, {W_BAKED, {W_CAKE}}}},
    {W_WOMAN, R_AGENT, W_WITH, W_WALKED, {{W_CALM}, {W_POLITE}}, {W_SANG},
     {{W_WROTE, {W_LETTER}}, {W_BOUGHT, {W_APPLES, W_FLOWERS}}}},
    {W_QUEEN, R_AGENT, W_WITH, W_WALKED, {{W_WISE}, {W_ELEGANT}}, {W_WAVED},
     {{W_VISITED, {W_CASTLE, W_BRIDGE}}}},
    {W_MOTHER, R_AGENT, W_WITH, W_WALKED, {{W_WORRIED}, {W_CHEERFUL}}, {W_SIGHED},
     {{W_PLANTED, {W_FLOWERS, W_TREE}}, {W_CARRIED, {W_BOXES}}}},
    {W_PRINCESS, R_AGENT, W_WITH, W_WALKED, {{W_CLEVER}, {W_LONELY}}, {W_DANCED},
     {{W_FED, {W_HORSE, W_BIRDS}}, {W_PICKED, {W_FLOWERS}}}},
    {W_ROBOT, R_AGENT, W_WITH, W_WALKED, {{W_TIRED}, {W_RUSTY}}, {W_BEEPED, W_WHIRRED},
     {{W_FIXED, {W_CLOCK, W_CAR}}, {W_CLEANED, {W_FLOOR, W_STAIRS}}}},
    {W_CAT, R_AGENT, W_WITH, W_RAN, {{W_FLUFFY}, {W_PLAYFUL}}, {W_PURRED},
     {{W_CHASED, {W_BIRDS, W_BALL}}}},
    {W_DOG, R_AGENT, W_WITH, W_RAN, {{W_LOYAL}, {W_THIRSTY}}, {W_BARKED},
     {{W_CHASED, {W_CAT, W_BALL}}}},
    {W_HORSE, R_AGENT, W_WITH, W_RAN, {{W_STRONG}, {W_FAST}}, {W_NEIGHED}, {{W_PULLED, {W_CART}}}},
    {W_BANK, R_PLACE | R_DEST, W_BY, 0, {{W_CLOSED, W_DUE, W_TO, W_FLOODING}, {W_BUSY}},
     {0}, {{W_APPROVED, {W_LOAN}}}},
    {W_FLOOR, R_PLACE, W_ON, 0, {{W_WET}, {W_DIRTY}}, {0}, {{0}}},
    {W_MAT, R_PLACE, W_ON, 0, {{W_SOFT}, {W_DUSTY}}, {0}, {{0}}},
    {W_BENCH, R_PLACE | R_DEST, W_ON, 0, {{W_WOODEN}, {W_COLD}}, {0}, {{0}}},
    {W_BED, R_PLACE, W_ON, 0, {{W_COZY}, {W_WARM}}, {0}, {{0}}},
    {W_RIVER, R_PLACE | R_DEST, W_BY, 0, {{W_DEEP}, {W_WIDE}}, {0}, {{0}}},
    {W_PARK, R_PLACE | R_DEST, W_IN, 0, {{W_CROWDED}, {W_PEACEFUL}}, {0}, {{0}}},
    {W_TREE, R_PLACE | R_DEST, W_UNDER, 0, {{W_TALL}, {W_LEAFY}}, {0}, {{0}}},
    {W_DOOR, R_PLACE | R_DEST, W_BY, 0, {{W_LOCKED}, {W_CREAKY}}, {0}, {{0}}},
    {W_HOUSE, R_PLACE | R_DEST, W_IN, 0, {{W_EMPTY}, {W_HUGE}}, {0}, {{0}}},
    {W_CASTLE, R_PLACE | R_DEST, W_IN, 0, {{W_ANCIENT}, {W_HAUNTED}}, {0}, {{0}}},
    {W_BRIDGE, R_PLACE | R_DEST, W_ON, 0, {{W_NARROW}, {W_ICY}}, {0}, {{0}}},
    {W_LOAN, R_THING, W_OF, 0, {{W_LARGE}, {W_RISKY}}, {0}, {{0}}},
    {W_CAR, R_THING, W_NEAR, 0, {{W_SHINY}, {W_EXPENSIVE}}, {0}, {{0}}},
    {W_CLOCK, R_THING, W_NEAR, 0, {{W_BROKEN}, {W_LOUD}}, {0}, {{0}}},
    {W_BOOK, R_THING, W_WITH, 0, {{W_THICK}, {W_BORING}}, {0}, {{0}}},
    {W_CAKE, R_THING, W_NEAR, 0, {{W_SWEET}, {W_DELICIOUS}}, {0}, {{0}}},
    {W_BALL, R_THING, W_WITH, 0, {{W_BOUNCY}, {W_FLAT}}, {0}, {{0}}},
    {W_LETTER, R_THING, W_WITH, 0, {{W_LONG}, {W_SECRET}}, {0}, {{0}}},
    {W_CART, R_THING, W_BEHIND, 0, {{W_RICKETY}, {W_LOADED}}, {0}, {{0}}},
    {W_CHILDREN, R_AGENT, W_WITH, W_RAN, {{W_EXCITED}, {W_NOISY}}, {W_PLAYED, W_CHEERED},
     {{W_PICKED, {W_APPLES, W_FLOWERS}}, {W_ATE, {W_CAKE}}}},
    {W_BIRDS, R_AGENT, W_BEHIND, W_FLEW, {{W_COLORFUL}, {W_TINY}}, {W_CHIRPED, W_FLEW}, {{0}}},
    {W_STAIRS, R_PLACE | R_DEST, W_ON, 0, {{W_STEEP}, {W_SLIPPERY}}, {0}, {{0}}},
    {W_ROCKS, R_PLACE, W_ON, 0, {{W_SHARP}, {W_SMOOTH}}, {0}, {{0}}},
    {W_KEYS, R_THING, W_WITH, 0, {{W_LOST}, {W_GOLDEN}}, {0}, {{0}}},
    {W_CABINETS, R_THING, W_BY, 0, {{W_FULL}, {W_CROOKED}}, {0}, {{0}}},
    {W_APPLES, R_THING, W_WITH, 0, {{W_RIPE}, {W_SOUR}}, {0}, {{0}}},
    {W_FLOWERS, R_THING, W_NEAR, 0, {{W_PRETTY}, {W_FRAGRANT}}, {0}, {{0}}},
    {W_BOXES, R_THING, W_BEHIND, 0, {{W_HEAVY}, {W_DAMP}}, {0}, {{0}}},
};
#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))
#define N_NOUNS COUNT_OF(nouns)

/* Where a PP's preposition is not the noun's own: any of these. */
static const short generic_preps[] = {W_BY, W_NEAR, W_BEHIND, W_WITH, W_OF,
                                      W_TO, W_UNDER, W_ON, W_FROM, W_IN};
static const short generic_adjs[] = {W_BIG, W_SMALL, W_OLD, W_LITTLE, W_NEW};
static const short days[] = {W_MONDAY, W_TUESDAY, W_WEDNESDAY, W_THURSDAY,
                             W_FRIDAY, W_SATURDAY, W_SUNDAY};

static int noun_pron(const noun_entry *e) { return vocab_class[e->word] - C_NOUN_HE; }
static int noun_plural(const noun_entry *e) { return vocab_class[e->word] == C_NOUN_THEY; }
static int noun_has_verbs(const noun_entry *e) { return e->verbs[0].verb != 0; }

static const noun_entry *noun_of_word(int word) {
    for (size_t i = 0; i < N_NOUNS; i++)
        if (nouns[i].word == word) return &nouns[i];
    return NULL; /* not reached: every object in the table is a noun of it */
}

/* ---- drawing ----------------------------------------------------------------- */

/* Uniform in [0, n) from the top 32 bits (Lemire's multiply): integer only,
 * so the same on every machine; the bias (n / 2^32) is far below anything
 * the tests or the training could see. */
static size_t below(attn_rng *r, size_t n) {
    return (size_t)(((attn_rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* True with probability p (p a constant; the comparison of a 24-bit draw with
 * it is exact, so the same everywhere). */
static bool chance(attn_rng *r, float p) { return attn_rng_float(r) < p; }

/* A noun with any of the roles in mask and, if need_verbs, verbs with
 * objects: uniform over those. */
static const noun_entry *pick_noun(attn_rng *r, unsigned mask, bool need_verbs) {
    size_t count = 0;
    for (size_t i = 0; i < N_NOUNS; i++)
        if ((nouns[i].roles & mask) && (!need_verbs || noun_has_verbs(&nouns[i]))) count++;
    size_t k = below(r, count);
    for (size_t i = 0; i < N_NOUNS; i++)
        if ((nouns[i].roles & mask) && (!need_verbs || noun_has_verbs(&nouns[i])) && k-- == 0)
            return &nouns[i];
    return &nouns[0]; /* not reached */
}

static size_t list_len(const short *list, size_t max) {
    size_t n = 0;
    while (n < max && list[n] != 0) n++;
    return n;
}

/* ---- building one sentence ------------------------------------------------------ */

/* Long enough for any sentence or repeated passage: the longest is a
 * repeated passage of 14 words, ".", a place-and-time sentence of at most 12
 * tokens, 14 words and "." (42); a subject sentence has at most 24 tokens,
 * a pronoun sentence 23. */
#define SENT_MAX 64

typedef struct sent {
    int32_t ids[SENT_MAX];
    model_truth truth[SENT_MAX]; /* indices relative to the sentence's start */
    size_t n;
} sent;

/* Appends w and returns its position. A full buffer drops the word (never
 * happens: SENT_MAX is above the longest sentence, which the tests check). */
static int32_t put(sent *s, int w) {
    if (s->n >= SENT_MAX) return (int32_t)(SENT_MAX - 1);
    s->ids[s->n] = w;
    s->truth[s->n] = (model_truth){-1, -1, -1};
    return (int32_t)s->n++;
}

/* "the [generic adjective] NOUN"; returns the noun's position. */
static int32_t noun_phrase(attn_rng *r, sent *s, const noun_entry *e) {
    put(s, W_THE);
    if (chance(r, 0.15f)) put(s, generic_adjs[below(r, COUNT_OF(generic_adjs))]);
    return put(s, e->word);
}

/* on DAY | in the morning | in the evening | at night | yesterday | today */
static void time_phrase(attn_rng *r, sent *s) {
    size_t u = below(r, 10);
    if (u < 3) {
        put(s, W_ON);
        put(s, days[below(r, 7)]);
    } else if (u < 5) {
        /* A list of days a fixed step apart: "on monday wednesday friday".
         * From the third day on, the next one follows from the two before it
         * (their step), and from neither alone: predicting it needs the word
         * before as well as this one, the job of a previous-token head. */
        size_t first = below(r, 7), step = 1 + below(r, 3), k = 3 + below(r, 4);
        put(s, W_ON);
        for (size_t i = 0; i < k; i++) put(s, days[(first + i * step) % 7]);
    } else if (u < 7) {
        put(s, W_IN);
        put(s, W_THE);
        put(s, u == 5 ? W_MORNING : W_EVENING);
    } else if (u == 7) {
        put(s, W_AT);
        put(s, W_NIGHT);
    } else {
        put(s, u == 8 ? W_YESTERDAY : W_TODAY);
    }
}

/* One of the noun's states, all of its words. */
static void state(attn_rng *r, sent *s, const noun_entry *e) {
    size_t n = 0;
    while (n < STATES_MAX && e->states[n][0] != 0) n++;
    const short *words = e->states[below(r, n)];
    for (size_t i = 0; i < STATE_WORDS && words[i] != 0; i++) put(s, words[i]);
}

/* sat | stood | slept | waited: how an agent is at a place. */
static int pose(attn_rng *r) {
    float u = attn_rng_float(r);
    return u < 0.5f ? W_SAT : u < 0.7f ? W_STOOD : u < 0.85f ? W_SLEPT : W_WAITED;
}

/* A verb of the noun and one of its objects. */
static void pick_verb_object(attn_rng *r, const noun_entry *e, int *verb,
                             const noun_entry **object) {
    const verb_object *vo = &e->verbs[below(r, e->verbs[1].verb != 0 ? 2 : 1)];
    *verb = vo->verb;
    *object = noun_of_word(vo->object[below(r, list_len(vo->object, 2))]);
}

static const int pronoun_word[4] = {W_HE, W_SHE, W_IT, W_THEY};

/* "PRONOUN was|were STATE" or "PRONOUN ACTION" about e, the pronoun's truth
 * set to the antecedent's position (or -1 when the text leaves it open). */
static void pronoun_predicate(attn_rng *r, sent *s, const noun_entry *e, int32_t antecedent) {
    int32_t p = put(s, pronoun_word[noun_pron(e)]);
    s->truth[p].antecedent = antecedent;
    size_t n_actions = list_len(e->actions, 2);
    /* The pronoun is the subject, not a noun: the verb gets no subject truth. */
    if (n_actions > 0 && chance(r, 0.35f)) {
        put(s, e->actions[below(r, n_actions)]);
    } else {
        put(s, noun_plural(e) ? W_WERE : W_WAS);
        state(r, s, e);
    }
}

/* Share of pronoun sentences whose referent agreement leaves open. */
#define AMBIGUOUS_SHARE 0.1f

/* Kind 1. Picks the nouns first (a, b and maybe a distractor c), redrawing
 * until the referent's pronoun class is shared by another noun exactly when
 * the sentence is meant to be ambiguous, then writes the template. */
static void pronoun_sentence(attn_rng *r, sent *s) {
    float u = attn_rng_float(r);
    int tmpl = u < 0.4f ? 0 : u < 0.6f ? 1 : u < 0.8f ? 2 : 3;
    bool want_ambiguous = chance(r, AMBIGUOUS_SHARE);
    bool ref_is_b = chance(r, 0.5f);
    bool has_c = tmpl != 3 && chance(r, 0.25f);
    const noun_entry *a, *b, *c = NULL, *ref;
    int verb = 0;
    bool ambiguous;
    for (size_t tries = 0;; tries++) {
        if (tmpl == 3) {
            a = pick_noun(r, R_AGENT | R_PLACE | R_THING, true);
            pick_verb_object(r, a, &verb, &b);
        } else {
            a = pick_noun(r, R_AGENT, false);
            unsigned b_roles = tmpl == 0   ? R_PLACE
                               : tmpl == 1 ? R_AGENT
                                           : R_AGENT | R_PLACE | R_THING;
            b = pick_noun(r, b_roles, false);
        }
        if (has_c) c = pick_noun(r, R_PLACE | R_THING, false);
        if (a == b || (c && (c == a || c == b))) continue;
        ref = ref_is_b ? b : a;
        const noun_entry *other = ref_is_b ? a : b;
        ambiguous = noun_pron(other) == noun_pron(ref) || (c && noun_pron(c) == noun_pron(ref));
        /* Some nouns have no partner of their class in a slot: after a few
         * tries take the sentence as it is; its truth follows what it is. */
        if (ambiguous == want_ambiguous || tries >= 32) break;
    }
    int32_t pa, pb;
    switch (tmpl) {
    case 0: /* the A sat on the B [near the C] [TIME] because|when PRON ... */
        pa = noun_phrase(r, s, a);
        s->truth[put(s, pose(r))].subject = pa;
        put(s, b->prep);
        pb = noun_phrase(r, s, b);
        if (c) {
            put(s, c->prep);
            noun_phrase(r, s, c);
        }
        if (chance(r, 0.25f)) time_phrase(r, s);
        put(s, chance(r, 0.7f) ? W_BECAUSE : W_WHEN);
        break;
    case 1: /* after the A met the B [..] [TIME] , PRON ... */
    case 2: /* when the A saw the B [..] [TIME] , PRON ... */
        put(s, tmpl == 1 ? W_AFTER : W_WHEN);
        pa = noun_phrase(r, s, a);
        s->truth[put(s, tmpl == 1 ? W_MET : W_SAW)].subject = pa;
        pb = noun_phrase(r, s, b);
        if (c) {
            put(s, c->prep);
            noun_phrase(r, s, c);
        }
        if (chance(r, 0.25f)) time_phrase(r, s);
        put(s, W_COMMA);
        break;
    default: /* the A VERB the O [TIME] , and|but PRON ... */
        pa = noun_phrase(r, s, a);
        s->truth[put(s, verb)].subject = pa;
        pb = noun_phrase(r, s, b);
        if (chance(r, 0.25f)) time_phrase(r, s);
        put(s, W_COMMA);
        put(s, chance(r, 0.5f) ? W_AND : W_BUT);
        break;
    }
    pronoun_predicate(r, s, ref, ambiguous ? -1 : (ref_is_b ? pb : pa));
    put(s, W_DOT);
}

/* "PREP the N": N's own preposition mostly, any other sometimes. */
static void prep_phrase(attn_rng *r, sent *s, const noun_entry *e) {
    put(s, chance(r, 0.6f) ? e->prep : generic_preps[below(r, COUNT_OF(generic_preps))]);
    noun_phrase(r, s, e);
}

/* A noun for a prepositional phrase after subj: of the other number with
 * probability 0.7 (so the verb's number must come from the subject), never
 * subj itself or not_this (the phrase before). */
static const noun_entry *pp_noun(attn_rng *r, const noun_entry *subj, const noun_entry *not_this) {
    bool other_number = chance(r, 0.7f);
    const noun_entry *e;
    for (size_t tries = 0;; tries++) {
        e = &nouns[below(r, N_NOUNS)];
        if (e == subj || e == not_this) continue;
        if ((noun_plural(e) != noun_plural(subj)) == other_number || tries >= 32) return e;
    }
}

/* Kind 2: [TIME] the S PREP the N [PREP the M [PREP the O]] was|were|is|are|seemed STATE . */
static void subject_sentence(attn_rng *r, sent *s) {
    const noun_entry *subj = &nouns[below(r, N_NOUNS)];
    if (chance(r, 0.2f)) time_phrase(r, s);
    int32_t ps = noun_phrase(r, s, subj);
    /* one phrase (45 %), two (40 %) or three (15 %): no one offset finds the subject */
    float u_pp = attn_rng_float(r);
    size_t n_pp = u_pp < 0.45f ? 1 : u_pp < 0.85f ? 2 : 3;
    const noun_entry *prev = NULL;
    for (size_t i = 0; i < n_pp; i++) {
        const noun_entry *e = pp_noun(r, subj, prev);
        prep_phrase(r, s, e);
        prev = e;
    }
    float u = attn_rng_float(r);
    int verb = u < 0.6f ? (noun_plural(subj) ? W_WERE : W_WAS)
             : u < 0.9f ? (noun_plural(subj) ? W_ARE : W_IS)
                        : W_SEEMED;
    s->truth[put(s, verb)].subject = ps;
    state(r, s, subj);
    put(s, W_DOT);
}

/* Kind 3: [TIME] the S VERB the O | MOVE to the PLACE | POSE PREP the PLACE [TIME] . */
static void place_time_sentence(attn_rng *r, sent *s) {
    float u = attn_rng_float(r);
    size_t when = below(r, 20); /* 0-6 before, 7-13 after, 14-19 none */
    if (when < 7) time_phrase(r, s);
    if (u < 0.45f) {
        const noun_entry *subj = pick_noun(r, R_AGENT | R_PLACE | R_THING, true), *obj;
        int verb;
        pick_verb_object(r, subj, &verb, &obj);
        int32_t ps = noun_phrase(r, s, subj);
        s->truth[put(s, verb)].subject = ps;
        noun_phrase(r, s, obj);
    } else if (u < 0.7f) {
        const noun_entry *subj = pick_noun(r, R_AGENT, false);
        const noun_entry *dest = pick_noun(r, R_DEST, false);
        int32_t ps = noun_phrase(r, s, subj);
        s->truth[put(s, subj->move)].subject = ps;
        put(s, W_TO);
        noun_phrase(r, s, dest);
    } else {
        const noun_entry *subj = pick_noun(r, R_AGENT, false);
        const noun_entry *place = pick_noun(r, R_PLACE, false);
        int32_t ps = noun_phrase(r, s, subj);
        s->truth[put(s, pose(r))].subject = ps;
        put(s, place->prep);
        noun_phrase(r, s, place);
    }
    if (when >= 7 && when < 14) time_phrase(r, s);
    put(s, W_DOT);
}

/* Kind 4: 6-14 content words drawn uniformly, ".", maybe a place-and-time
 * sentence, the same words again, ".". The copy's truth is set by position,
 * never by looking the word up, so a word that occurs twice in the run or
 * elsewhere in the sequence still points at its aligned twin. (Runs from a
 * small alphabet, where only the word before says which occurrence to
 * continue from, were tried: the induction heads came out weaker, 0.6-0.7
 * against 0.84, and no sharper previous-token head appeared.) */
static void repeat_passage(attn_rng *r, sent *s) {
    size_t k = 6 + below(r, 9);
    int32_t first = (int32_t)s->n;
    for (size_t i = 0; i < k; i++) put(s, W_SAT + (int)below(r, W_COUNT - W_SAT));
    put(s, W_DOT);
    if (chance(r, 0.5f)) place_time_sentence(r, s);
    for (size_t i = 0; i < k; i++) {
        int32_t p = put(s, s->ids[first + (int32_t)i]);
        s->truth[p].copy = first + (int32_t)i;
    }
    put(s, W_DOT);
}

/* ---- the public functions ----------------------------------------------------- */

model_corpus_mix model_corpus_mix_default(void) {
    model_corpus_mix m = {.pronoun = 0.35f, .subject = 0.3f, .place_time = 0.15f, .repeat = 0.2f};
    return m;
}

attn_status model_corpus_init(model_corpus *c, uint64_t seed, const model_corpus_mix *mix,
                              char *err, size_t err_len) {
    c->rng = attn_rng_stream(seed, MODEL_CORPUS_STREAM);
    c->mix = model_corpus_mix_default();
    if (err && err_len) err[0] = '\0';
    if (!mix) return ATTN_OK;
    const float w[4] = {mix->pronoun, mix->subject, mix->place_time, mix->repeat};
    const char *names[4] = {"pronoun", "subject", "place_time", "repeat"};
    for (int i = 0; i < 4; i++) {
        if (!(w[i] >= 0.0f) || isinf(w[i])) {
            if (err && err_len)
                snprintf(err, err_len,
                         "corpus mix: weight %s is %g: use a finite weight >= 0 (0 leaves the "
                         "kind out)",
                         names[i], (double)w[i]);
            return ATTN_ERR_CONFIG;
        }
    }
    if (w[0] + w[1] + w[2] + w[3] <= 0.0f) {
        if (err && err_len)
            snprintf(err, err_len,
                     "corpus mix: every weight is 0: give at least one kind a weight > 0");
        return ATTN_ERR_CONFIG;
    }
    c->mix = *mix;
    return ATTN_OK;
}

/* One sentence (or repeated passage) of a kind drawn with the mix. */
static void next_sentence(model_corpus *c, sent *s) {
    const float w[4] = {c->mix.pronoun, c->mix.subject, c->mix.place_time, c->mix.repeat};
    float total = w[0] + w[1] + w[2] + w[3];
    float u = attn_rng_float(&c->rng) * total, cum = 0.0f;
    int kind = 3;
    /* the last kind with a weight, for when rounding leaves u at the total */
    while (kind > 0 && w[kind] <= 0.0f) kind--;
    for (int k = 0; k < 4; k++) {
        cum += w[k];
        if (w[k] > 0.0f && u < cum) {
            kind = k;
            break;
        }
    }
    s->n = 0;
    switch (kind) {
    case 0: pronoun_sentence(&c->rng, s); break;
    case 1: subject_sentence(&c->rng, s); break;
    case 2: place_time_sentence(&c->rng, s); break;
    default: repeat_passage(&c->rng, s); break;
    }
}

static int32_t shift(int32_t index, size_t by) { return index < 0 ? -1 : index + (int32_t)by; }

void model_corpus_sequence(model_corpus *c, int32_t *ids, model_truth *truth, size_t n) {
    if (n == 0) return;
    ids[0] = W_EOT;
    if (truth) truth[0] = (model_truth){-1, -1, -1};
    sent s;
    for (size_t pos = 1; pos < n;) {
        next_sentence(c, &s);
        size_t take = s.n < n - pos ? s.n : n - pos;
        for (size_t i = 0; i < take; i++) {
            ids[pos + i] = s.ids[i];
            if (truth) {
                truth[pos + i].antecedent = shift(s.truth[i].antecedent, pos);
                truth[pos + i].subject = shift(s.truth[i].subject, pos);
                truth[pos + i].copy = shift(s.truth[i].copy, pos);
            }
        }
        pos += take;
    }
}

size_t model_corpus_text(char *out, size_t len, const int32_t *ids, size_t n) {
    size_t need = 0;
    for (size_t i = 0; i < n; i++) {
        const char *w = ids[i] >= 0 && ids[i] < W_COUNT ? vocab_words[ids[i]] : vocab_words[W_UNK];
        if (i > 0) {
            if (need + 1 < len) out[need] = ' ';
            need++;
        }
        for (; *w; w++, need++)
            if (need + 1 < len) out[need] = *w;
    }
    if (len > 0) out[need < len ? need : len - 1] = '\0';
    return need;
}

void model_corpus_batch(model_corpus *c, int32_t *seqs, size_t batch, size_t seq, int32_t *inputs,
                        int32_t *targets) {
    for (size_t b = 0; b < batch; b++) {
        int32_t *one = seqs + b * (seq + 1);
        model_corpus_sequence(c, one, NULL, seq + 1);
        for (size_t i = 0; i < seq; i++) {
            inputs[b * seq + i] = one[i];
            targets[b * seq + i] = one[i + 1];
        }
    }
}
