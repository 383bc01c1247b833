// Container names: Docker's validation rule and its "adjective_scientist" generator.
import { invalidParameter } from '../../errdefs.ts';

const VALID = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** Normalize a user-given name to Docker's stored form "/name", or throw Docker's 400. */
export function normalizeName(name: string): string {
  if (!VALID.test(name)) throw invalidParameter(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  return name.startsWith('/') ? name : '/' + name;
}

const LEFT = ['admiring', 'adoring', 'affectionate', 'agitated', 'amazing', 'angry', 'awesome', 'blissful', 'bold', 'boring', 'brave', 'busy', 'charming', 'clever', 'compassionate', 'competent', 'confident', 'cool', 'cranky', 'crazy', 'dazzling', 'determined', 'distracted', 'dreamy', 'eager', 'ecstatic', 'elastic', 'elated', 'elegant', 'eloquent', 'epic', 'fervent', 'festive', 'flamboyant', 'focused', 'friendly', 'frosty', 'gallant', 'gifted', 'goofy', 'gracious', 'happy', 'hardcore', 'heuristic', 'hopeful', 'hungry', 'infallible', 'inspiring', 'jolly', 'jovial', 'keen', 'kind', 'laughing', 'loving', 'lucid', 'magical', 'modest', 'musing', 'mystifying', 'naughty', 'nervous', 'nice', 'nifty', 'nostalgic', 'objective', 'optimistic', 'peaceful', 'pedantic', 'pensive', 'practical', 'priceless', 'quirky', 'quizzical', 'relaxed', 'reverent', 'romantic', 'sad', 'serene', 'sharp', 'silly', 'sleepy', 'stoic', 'strange', 'stupefied', 'suspicious', 'sweet', 'tender', 'thirsty', 'trusting', 'upbeat', 'vibrant', 'vigilant', 'vigorous', 'wizardly', 'wonderful', 'xenodochial', 'youthful', 'zealous', 'zen'];
const RIGHT = ['agnesi', 'albattani', 'allen', 'archimedes', 'babbage', 'banach', 'bardeen', 'bartik', 'bell', 'bhabha', 'black', 'blackwell', 'bohr', 'booth', 'borg', 'bose', 'brahmagupta', 'brattain', 'brown', 'carson', 'cerf', 'chandrasekhar', 'chatelet', 'clarke', 'cohen', 'curie', 'darwin', 'davinci', 'dijkstra', 'dirac', 'driscoll', 'einstein', 'elion', 'engelbart', 'euclid', 'euler', 'faraday', 'fermat', 'fermi', 'feynman', 'franklin', 'galileo', 'gates', 'goldberg', 'goodall', 'hamilton', 'haslett', 'hawking', 'heisenberg', 'hertz', 'hodgkin', 'hofstadter', 'hopper', 'hypatia', 'jackson', 'jang', 'jennings', 'johnson', 'kalam', 'keller', 'kepler', 'khorana', 'knuth', 'kowalevski', 'lalande', 'lamarr', 'leakey', 'leavitt', 'lederberg', 'lovelace', 'lumiere', 'mayer', 'mccarthy', 'mcclintock', 'meitner', 'mendel', 'merkle', 'mirzakhani', 'montalcini', 'moore', 'morse', 'napier', 'nash', 'newton', 'nobel', 'noether', 'pare', 'pascal', 'pasteur', 'payne', 'perlman', 'pike', 'poincare', 'ptolemy', 'raman', 'ramanujan', 'ritchie', 'rosalind', 'sammet', 'shamir', 'shannon', 'shockley', 'sinoussi', 'swanson', 'tesla', 'thompson', 'torvalds', 'turing', 'varahamihira', 'visvesvaraya', 'wescoff', 'wilbur', 'wiles', 'williams', 'wozniak', 'wright', 'yalow', 'yonath'];

export function randomName(taken: (name: string) => boolean): string {
  for (let i = 0; ; i++) {
    const pick = (a: string[]) => a[Math.floor(Math.random() * a.length)];
    let name = `${pick(LEFT)}_${pick(RIGHT)}`;
    if (i > 10) name += Math.floor(Math.random() * 10);
    if (!taken('/' + name)) return '/' + name;
  }
}
