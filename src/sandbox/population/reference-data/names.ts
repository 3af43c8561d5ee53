import type { Weighted } from '../random.js';
import type { NameOrigin, Sex } from '../population.types.js';

// Name frequencies for a diverse inner-London borough. Lists run from most to least common;
// weights follow a Zipf curve over the rank, which is how name frequencies fall off in
// census and ONS baby-name tables. Origins are weighted by their rough share of the borough.

export const ORIGIN_SHARES: Weighted<NameOrigin> = [
  ['british', 46],
  ['irish', 5],
  ['caribbean', 5],
  ['west-african', 5],
  ['turkish', 5],
  ['bangladeshi', 4],
  ['somali', 3],
  ['polish', 3],
  ['portuguese', 3],
  ['italian', 3],
  ['chinese', 3],
  ['indian', 2.5],
  ['greek-cypriot', 2],
  ['arabic', 2],
  ['pakistani', 1.5],
];

interface OriginNames {
  male: string[];
  female: string[];
  family: string[];
}

/** British given names by birth cohort: a Margaret is rarely under fifty, an Amelia rarely over thirty. */
const BRITISH_GIVEN: Record<'older' | 'middle' | 'younger', { male: string[]; female: string[] }> = {
  older: {
    male: ['John', 'David', 'Michael', 'Peter', 'Robert', 'William', 'James', 'Brian', 'Anthony', 'Richard', 'Kenneth', 'George', 'Alan', 'Roy', 'Ronald', 'Dennis', 'Terence', 'Raymond', 'Derek', 'Edward', 'Frederick', 'Albert', 'Stanley', 'Leonard', 'Harold', 'Arthur'],
    female: ['Margaret', 'Patricia', 'Susan', 'Mary', 'Elizabeth', 'Jean', 'Barbara', 'Christine', 'Janet', 'Maureen', 'Dorothy', 'Sheila', 'Pauline', 'Joan', 'Valerie', 'Brenda', 'Carol', 'Irene', 'Doreen', 'Eileen', 'Sylvia', 'Audrey', 'Joyce', 'Kathleen', 'Rita', 'Gillian'],
  },
  middle: {
    male: ['David', 'Paul', 'Mark', 'Andrew', 'James', 'Richard', 'Michael', 'Christopher', 'Stephen', 'Daniel', 'Matthew', 'Robert', 'Thomas', 'Jonathan', 'Simon', 'Gary', 'Lee', 'Neil', 'Darren', 'Benjamin', 'Alexander', 'Samuel', 'Adam', 'Jamie', 'Nicholas', 'Timothy', 'William', 'Edward', 'Joseph', 'Anthony'],
    female: ['Sarah', 'Emma', 'Claire', 'Rachel', 'Laura', 'Nicola', 'Rebecca', 'Lisa', 'Louise', 'Katherine', 'Helen', 'Victoria', 'Jennifer', 'Elizabeth', 'Joanne', 'Michelle', 'Charlotte', 'Hannah', 'Samantha', 'Amy', 'Deborah', 'Kelly', 'Lucy', 'Jessica', 'Sophie', 'Catherine', 'Alexandra', 'Natalie', 'Kirsty', 'Julie'],
  },
  younger: {
    male: ['Oliver', 'Jack', 'Harry', 'George', 'Noah', 'Charlie', 'Jacob', 'Thomas', 'Oscar', 'William', 'James', 'Leo', 'Alfie', 'Joshua', 'Freddie', 'Archie', 'Ethan', 'Isaac', 'Alexander', 'Joseph', 'Samuel', 'Daniel', 'Max', 'Theo', 'Arthur', 'Henry', 'Lucas', 'Finley', 'Edward', 'Sebastian'],
    female: ['Olivia', 'Amelia', 'Isla', 'Ava', 'Emily', 'Isabella', 'Mia', 'Poppy', 'Ella', 'Lily', 'Grace', 'Sophia', 'Evie', 'Charlotte', 'Freya', 'Florence', 'Daisy', 'Ruby', 'Alice', 'Phoebe', 'Sienna', 'Matilda', 'Elsie', 'Rosie', 'Chloe', 'Jessica', 'Holly', 'Ellie', 'Emma', 'Megan'],
  },
};

const NAMES: Record<NameOrigin, OriginNames> = {
  british: {
    male: [],
    female: [],
    family: ['Smith', 'Jones', 'Williams', 'Brown', 'Taylor', 'Davies', 'Wilson', 'Evans', 'Thomas', 'Johnson', 'Roberts', 'Walker', 'Wright', 'Robinson', 'Thompson', 'White', 'Hughes', 'Edwards', 'Green', 'Hall', 'Wood', 'Harris', 'Lewis', 'Martin', 'Jackson', 'Clarke', 'Clark', 'Turner', 'Hill', 'Scott', 'Cooper', 'Morris', 'Ward', 'Moore', 'King', 'Watson', 'Baker', 'Harrison', 'Morgan', 'Young', 'Allen', 'Mitchell', 'James', 'Anderson', 'Phillips', 'Lee', 'Bell', 'Parker', 'Davis', 'Bennett', 'Cook', 'Stewart', 'Shaw', 'Richardson', 'Chapman', 'Marshall', 'Collins', 'Fletcher', 'Holmes', 'Knight', 'Ellis', 'Mason', 'Hunt', 'Palmer', 'Barnes', 'Fisher', 'Gibson', 'Pearce', 'Lloyd', 'Butler', 'Foster', 'Russell', 'Webb', 'Rogers', 'Matthews', 'Stevens', 'Dixon', 'Hawkins', 'Spencer', 'Gray', 'Grant', 'Reynolds', 'Lawrence', 'Mills', 'Kent', 'Armstrong', 'Ashworth', 'Featherstone', 'Pennington', 'Wainwright', 'Blackwood', 'Hargreaves', 'Thistlethwaite'],
  },
  irish: {
    male: ['Sean', 'Patrick', 'Michael', 'John', 'Declan', 'Liam', 'Ciaran', 'Brendan', 'Kevin', 'Conor', 'Eoin', 'Padraig', 'Niall', 'Cormac', 'Dermot', 'Fergal'],
    female: ['Mary', 'Siobhan', 'Aoife', 'Niamh', 'Ciara', 'Bridget', 'Roisin', 'Sinead', 'Orla', 'Grainne', 'Maeve', 'Eimear', 'Aisling', 'Caoimhe', 'Deirdre', 'Nuala'],
    family: ['Murphy', "O'Brien", 'Kelly', 'Byrne', 'Ryan', "O'Sullivan", 'Walsh', "O'Connor", 'McCarthy', 'Doyle', 'Gallagher', "O'Neill", 'Kennedy', 'Lynch', 'Quinn', 'McLaughlin', 'Brennan', 'Fitzgerald', 'Maguire', 'Ni Bhriain', 'MacMahon', "O'Donoghue"],
  },
  caribbean: {
    male: ['Marcus', 'Andre', 'Winston', 'Delroy', 'Leroy', 'Tyrone', 'Jermaine', 'Desmond', 'Clive', 'Errol', 'Kareem', 'Dwayne', 'Trevor', 'Nathaniel', 'Jerome', 'Kwame'],
    female: ['Marcia', 'Sharon', 'Beverley', 'Janice', 'Claudette', 'Tanya', 'Keisha', 'Shanice', 'Jasmine', 'Paulette', 'Monique', 'Yolanda', 'Hyacinth', 'Jada', 'Kiara', 'Simone'],
    family: ['Campbell', 'Brown', 'Williams', 'Thomas', 'Francis', 'Henry', 'Grant', 'Clarke', 'Morgan', 'Edwards', 'Reid', 'Bailey', 'Gordon', 'Samuels', 'Forbes', 'McKenzie', 'Lindo', 'Barrett', 'Richards', 'Joseph'],
  },
  'west-african': {
    male: ['Oluwaseun', 'Chukwuemeka', 'Kwame', 'Emeka', 'Babatunde', 'Olumide', 'Kofi', 'Adebayo', 'Chidi', 'Femi', 'Tunde', 'Obinna', 'Yaw', 'Ikechukwu', 'Segun', 'Kayode'],
    female: ['Oluwakemi', 'Chioma', 'Ngozi', 'Adaeze', 'Folasade', 'Abena', 'Akosua', 'Funmilayo', 'Yetunde', 'Chiamaka', 'Blessing', 'Precious', 'Adwoa', 'Ifeoma', 'Temitope', 'Bukola'],
    family: ['Okafor', 'Adeyemi', 'Mensah', 'Okonkwo', 'Adebayo', 'Boateng', 'Owusu', 'Asante', 'Eze', 'Nwosu', 'Oladipo', 'Ogunleye', 'Afolabi', 'Osei', 'Babatunde', 'Ibekwe', 'Oyelaran', 'Acheampong', 'Olawale', 'Adjei'],
  },
  somali: {
    male: ['Mohamed', 'Abdi', 'Ahmed', 'Ali', 'Hassan', 'Abdirahman', 'Omar', 'Yusuf', 'Ibrahim', 'Abdullahi', 'Mustafa', 'Farah', 'Hussein', 'Ismail', 'Liban', 'Mahad'],
    female: ['Fadumo', 'Amina', 'Hodan', 'Sahra', 'Asha', 'Hawa', 'Khadija', 'Maryan', 'Ifrah', 'Nasra', 'Ubah', 'Halimo', 'Sagal', 'Deqa', 'Ayaan', 'Idil'],
    family: ['Mohamed', 'Ali', 'Ahmed', 'Hassan', 'Abdi', 'Farah', 'Omar', 'Yusuf', 'Hussein', 'Warsame', 'Jama', 'Osman', 'Adan', 'Ibrahim', 'Nur', 'Egal', 'Duale', 'Abdullahi'],
  },
  bangladeshi: {
    male: ['Mohammed', 'Abdul', 'Mohammad', 'Shahid', 'Rahim', 'Jamal', 'Rashid', 'Anwar', 'Shahin', 'Kamal', 'Nazrul', 'Rafiq', 'Habibur', 'Ayaan', 'Ibrahim', 'Zakaria'],
    female: ['Fatema', 'Nasima', 'Rokeya', 'Shamima', 'Ayesha', 'Sultana', 'Rahima', 'Jahanara', 'Taslima', 'Nadia', 'Sadia', 'Tahmina', 'Sumaiya', 'Maryam', 'Halima', 'Farzana'],
    family: ['Begum', 'Miah', 'Ali', 'Rahman', 'Uddin', 'Ahmed', 'Islam', 'Hussain', 'Khatun', 'Chowdhury', 'Hoque', 'Khan', 'Alam', 'Bibi', 'Hossain', 'Karim', 'Sarker', 'Akhtar'],
  },
  pakistani: {
    male: ['Muhammad', 'Imran', 'Asif', 'Tariq', 'Bilal', 'Usman', 'Kashif', 'Zubair', 'Adnan', 'Faisal', 'Hamza', 'Waqas', 'Omar', 'Zain', 'Arslan', 'Shahzad'],
    female: ['Ayesha', 'Sana', 'Fatima', 'Nadia', 'Saima', 'Rubina', 'Shazia', 'Samina', 'Zainab', 'Hira', 'Mehwish', 'Amna', 'Iqra', 'Sidra', 'Noor', 'Bushra'],
    family: ['Khan', 'Hussain', 'Ahmed', 'Ali', 'Shah', 'Iqbal', 'Mahmood', 'Akhtar', 'Butt', 'Malik', 'Qureshi', 'Raja', 'Chaudhry', 'Mirza', 'Sheikh', 'Javed'],
  },
  indian: {
    male: ['Rajesh', 'Sanjay', 'Amit', 'Vijay', 'Arjun', 'Rahul', 'Anil', 'Suresh', 'Harpreet', 'Gurpreet', 'Vikram', 'Nikhil', 'Rohan', 'Deepak', 'Kiran', 'Prakash'],
    female: ['Priya', 'Anjali', 'Sunita', 'Neha', 'Kavita', 'Pooja', 'Meera', 'Deepa', 'Harjit', 'Simran', 'Asha', 'Lakshmi', 'Divya', 'Shreya', 'Nisha', 'Rekha'],
    family: ['Patel', 'Shah', 'Singh', 'Kaur', 'Sharma', 'Gupta', 'Kumar', 'Mistry', 'Desai', 'Joshi', 'Mehta', 'Reddy', 'Nair', 'Iyer', 'Chauhan', 'Parmar', 'Sandhu', 'Gill'],
  },
  turkish: {
    male: ['Mehmet', 'Mustafa', 'Ahmet', 'Ali', 'Huseyin', 'Hasan', 'Ibrahim', 'Ismail', 'Osman', 'Murat', 'Emre', 'Yusuf', 'Kemal', 'Erdal', 'Serkan', 'Burak'],
    female: ['Ayse', 'Fatma', 'Emine', 'Hatice', 'Zeynep', 'Elif', 'Meryem', 'Sevgi', 'Hulya', 'Esra', 'Ozlem', 'Gulsen', 'Derya', 'Sibel', 'Yasemin', 'Nur'],
    family: ['Yilmaz', 'Kaya', 'Demir', 'Sahin', 'Celik', 'Yildiz', 'Ozturk', 'Aydin', 'Ozdemir', 'Arslan', 'Dogan', 'Kilic', 'Aslan', 'Cetin', 'Kara', 'Koc', 'Kurt', 'Ozkan', 'Polat', 'Erdogan'],
  },
  'greek-cypriot': {
    male: ['Andreas', 'Georgios', 'Christos', 'Nikolaos', 'Costas', 'Panayiotis', 'Michalis', 'Demetris', 'Savvas', 'Stelios', 'Yiannis', 'Kyriacos'],
    female: ['Maria', 'Eleni', 'Androulla', 'Georgia', 'Christina', 'Despina', 'Katerina', 'Sophia', 'Anastasia', 'Panayiota', 'Stella', 'Zoe'],
    family: ['Georgiou', 'Christodoulou', 'Ioannou', 'Constantinou', 'Demetriou', 'Charalambous', 'Nicolaou', 'Panayiotou', 'Michael', 'Savva', 'Kyriacou', 'Antoniou', 'Hadjipavlou', 'Papadopoulos'],
  },
  arabic: {
    male: ['Mohammed', 'Ahmad', 'Khaled', 'Omar', 'Youssef', 'Ali', 'Hussein', 'Karim', 'Tariq', 'Samir', 'Walid', 'Hisham', 'Fadi', 'Nabil', 'Rami', 'Bashir'],
    female: ['Fatima', 'Aisha', 'Layla', 'Mariam', 'Nour', 'Rania', 'Hanan', 'Salma', 'Yasmin', 'Dina', 'Huda', 'Lina', 'Reem', 'Sara', 'Amal', 'Zahra'],
    family: ['Al-Hashimi', 'Haddad', 'Khoury', 'Mansour', 'Saleh', 'Hassan', 'Abdullah', 'Nasser', 'Ibrahim', 'El-Sayed', 'Darwish', 'Farouk', 'Aziz', 'Hamdan', 'Qasim', 'Al-Amin'],
  },
  polish: {
    male: ['Piotr', 'Krzysztof', 'Tomasz', 'Pawel', 'Marcin', 'Michal', 'Lukasz', 'Jakub', 'Grzegorz', 'Adam', 'Kamil', 'Mateusz', 'Wojciech', 'Bartosz'],
    female: ['Anna', 'Katarzyna', 'Malgorzata', 'Agnieszka', 'Magdalena', 'Joanna', 'Monika', 'Ewa', 'Aleksandra', 'Karolina', 'Natalia', 'Zofia', 'Dorota', 'Justyna'],
    family: ['Nowak', 'Kowalski', 'Wisniewski', 'Wojcik', 'Kowalczyk', 'Kaminski', 'Lewandowski', 'Zielinski', 'Szymanski', 'Wozniak', 'Dabrowski', 'Kozlowski', 'Mazur', 'Krawczyk'],
  },
  portuguese: {
    male: ['Joao', 'Jose', 'Antonio', 'Pedro', 'Luis', 'Carlos', 'Miguel', 'Rui', 'Tiago', 'Paulo', 'Ricardo', 'Bruno', 'Diogo', 'Rafael'],
    female: ['Maria', 'Ana', 'Sofia', 'Beatriz', 'Ines', 'Mariana', 'Catarina', 'Joana', 'Rita', 'Carla', 'Sandra', 'Patricia', 'Fernanda', 'Luisa'],
    family: ['Silva', 'Santos', 'Ferreira', 'Pereira', 'Oliveira', 'Costa', 'Rodrigues', 'Martins', 'Sousa', 'Fernandes', 'Goncalves', 'Gomes', 'Lopes', 'Marques', 'Almeida', 'Ribeiro', 'Da Silva', 'De Souza'],
  },
  italian: {
    male: ['Giuseppe', 'Marco', 'Luca', 'Francesco', 'Alessandro', 'Andrea', 'Giovanni', 'Matteo', 'Lorenzo', 'Paolo', 'Stefano', 'Roberto', 'Antonio', 'Davide'],
    female: ['Giulia', 'Francesca', 'Chiara', 'Sara', 'Laura', 'Valentina', 'Elena', 'Alessandra', 'Federica', 'Martina', 'Giovanna', 'Silvia', 'Paola', 'Anna'],
    family: ['Rossi', 'Russo', 'Ferrari', 'Esposito', 'Bianchi', 'Romano', 'Colombo', 'Ricci', 'Marino', 'Greco', 'Bruno', 'Gallo', 'Conti', 'De Luca', 'Costa', 'Giordano', 'Mancini', 'Di Stefano'],
  },
  chinese: {
    male: ['Wei', 'Jun', 'Hao', 'Ming', 'Jian', 'Lei', 'Yong', 'Chen', 'Kai', 'Jie', 'Tao', 'Bo', 'Kevin', 'Daniel'],
    female: ['Li', 'Mei', 'Xiu', 'Ying', 'Hui', 'Jing', 'Yan', 'Ling', 'Fang', 'Xin', 'Lan', 'Na', 'Grace', 'Jenny'],
    family: ['Wang', 'Li', 'Zhang', 'Chen', 'Liu', 'Yang', 'Huang', 'Zhao', 'Wu', 'Zhou', 'Lin', 'Wong', 'Chan', 'Cheung', 'Lam', 'Ho', 'Leung', 'Ng'],
  },
};

const zipf = (names: readonly string[]): Weighted<string> => names.map((name, rank) => [name, 1 / Math.pow(rank + 1, 0.9)] as const);

export type Cohort = 'older' | 'middle' | 'younger';

export function cohortOf(birthYear: number): Cohort {
  if (birthYear < 1960) return 'older';
  if (birthYear < 1995) return 'middle';
  return 'younger';
}

/** The weighted given-name table for an origin, sex and birth cohort. */
export function givenNameTable(origin: NameOrigin, sex: Sex, cohort: Cohort): Weighted<string> {
  const names = origin === 'british' ? BRITISH_GIVEN[cohort][sex] : NAMES[origin][sex];
  return zipf(names);
}

export function familyNameTable(origin: NameOrigin): Weighted<string> {
  return zipf(NAMES[origin].family);
}

/** Every origin, for building tables once. */
export const NAME_ORIGINS = Object.keys(NAMES) as NameOrigin[];
